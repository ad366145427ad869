import { onBeforeUnmount, onMounted, type Ref } from 'vue';

/**
 * Reports how tall a tile is shown, in device pixels, and 0 while it is scrolled out of
 * view or not laid out (`display: none`): what a receiver asks its sender for. Reports on
 * mount, on every resize and on every visibility change; `report(-1)` on unmount.
 */
export function useTileSize(el: Readonly<Ref<HTMLElement | null>>, report: (heightPx: number) => void): void {
  let height = 0;
  let visible = true;
  let resize: ResizeObserver | null = null;
  let intersect: IntersectionObserver | null = null;
  const send = () => report(visible ? Math.round(height * (globalThis.devicePixelRatio || 1)) : 0);
  onMounted(() => {
    const node = el.value;
    if (!node || typeof ResizeObserver === 'undefined') return;
    height = node.clientHeight;
    resize = new ResizeObserver((entries) => {
      height = entries[entries.length - 1]?.contentRect.height ?? height;
      send();
    });
    resize.observe(node);
    if (typeof IntersectionObserver !== 'undefined') {
      intersect = new IntersectionObserver((entries) => {
        visible = entries[entries.length - 1]?.isIntersecting ?? visible;
        send();
      });
      intersect.observe(node);
    }
    send();
  });
  onBeforeUnmount(() => {
    resize?.disconnect();
    intersect?.disconnect();
    report(-1);
  });
}
