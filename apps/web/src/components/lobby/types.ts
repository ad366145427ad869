/** What the pre-join form submits. */
export interface JoinForm {
  room: string;
  nick: string;
  /** Only when the user typed one. */
  password?: string;
}
