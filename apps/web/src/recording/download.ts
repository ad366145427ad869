/**
 * Save a recording through the browser's download UI.
 *
 * The object URL points at the disk-backed OPFS file, so a long recording is not read
 * into memory; the download holds its own reference once started.
 */
export function downloadBlob(file: Blob, fileName: string, doc: Document = document): void {
  const url = URL.createObjectURL(file);
  const a = doc.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  doc.body.append(a);
  a.click();
  a.remove();
  // Keep the URL briefly: a slow machine may start the download after this returns.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
