"use client";
/** The rendered width of a chart's box, so the SVG is drawn at 1:1 and its labels keep their size on any screen. */
import { useCallback, useRef, useState } from "react";

export function useChartWidth(fallback = 720) {
  const [width, setWidth] = useState(fallback);
  const observer = useRef<ResizeObserver | null>(null);
  // A callback ref: measures whenever the box mounts (also after a "no data yet" render), stops when it unmounts.
  const ref = useCallback((element: HTMLElement | null) => {
    observer.current?.disconnect();
    observer.current = null;
    if (!element) return;
    const measure = () => setWidth(Math.max(240, Math.round(element.getBoundingClientRect().width)));
    measure();
    observer.current = new ResizeObserver(measure);
    observer.current.observe(element);
  }, []);
  return [ref, width] as const;
}
