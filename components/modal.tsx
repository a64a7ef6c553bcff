"use client";
// A modal on the native <dialog> for multi-step forms, open while mounted: showModal() makes the page
// behind it inert and traps focus, Escape asks the parent to close, and focus returns to the opener.
// ConfirmDialog is the small yes/no version; this one takes its own footer and a wider body.
import { useEffect, useId, useRef, type ReactNode } from "react";

export function Modal({
  title,
  description,
  children,
  footer,
  onClose,
  size = "lg",
  testId,
}: {
  title: string;
  description?: string;
  children: ReactNode;
  footer: ReactNode;
  onClose: () => void;
  size?: "md" | "lg" | "xl";
  testId?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const descriptionId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    dialog.showModal();
    // The heading takes focus first: screen readers announce it and nothing is pressed by accident.
    dialog.querySelector<HTMLElement>("[data-autofocus]")?.focus();
    return () => {
      dialog.close();
      opener?.focus();
    };
  }, []);

  const width = size === "md" ? "w-[min(36rem,calc(100vw-2rem))]" : size === "lg" ? "w-[min(52rem,calc(100vw-2rem))]" : "w-[min(72rem,calc(100vw-2rem))]";
  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      aria-describedby={description ? descriptionId : undefined}
      data-testid={testId}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      className={`m-auto max-h-[calc(100vh-2rem)] ${width} rounded-lg border border-slate-200 bg-white p-0 text-left text-slate-900 shadow-xl backdrop:bg-slate-900/40`}
    >
      <div className="flex max-h-[calc(100vh-2rem)] flex-col">
        <div className="border-b border-slate-200 px-5 py-3">
          <h2 id={titleId} tabIndex={-1} data-autofocus className="text-base font-semibold outline-none">
            {title}
          </h2>
          {description ? (
            <p id={descriptionId} className="text-sm text-slate-600">
              {description}
            </p>
          ) : null}
        </div>
        <div className="min-h-0 flex-1 space-y-3 overflow-y-auto px-5 py-4 text-sm text-slate-700">{children}</div>
        <div className="flex flex-wrap items-center justify-end gap-2 border-t border-slate-200 px-5 py-3">{footer}</div>
      </div>
    </dialog>
  );
}

export const BUTTON_PRIMARY =
  "rounded bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700 disabled:cursor-not-allowed disabled:opacity-60 aria-disabled:cursor-wait aria-disabled:opacity-60";
export const BUTTON_SECONDARY =
  "rounded border border-slate-300 bg-white px-3 py-1.5 text-sm text-slate-900 hover:bg-slate-100 disabled:cursor-not-allowed disabled:opacity-60";
export const BUTTON_DANGER =
  "rounded bg-red-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-red-800 disabled:cursor-not-allowed disabled:opacity-60";
