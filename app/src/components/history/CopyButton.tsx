"use client";
/** A small button copying `text` to the clipboard, saying so for a moment (and to screen readers). */
import { useState } from "react";

export function CopyButton({ text, label }: { text: string; label: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState("copied");
    } catch {
      setState("failed"); // no clipboard permission (e.g. plain http on another host)
    }
    setTimeout(() => setState("idle"), 1500);
  };
  return (
    <button
      type="button"
      className="link small"
      onClick={copy}
      aria-label={label}
      title={state === "failed" ? "The browser refused the clipboard" : "Copy"}
    >
      <span aria-live="polite">{state === "copied" ? "copied" : state === "failed" ? "not copied" : "copy"}</span>
    </button>
  );
}
