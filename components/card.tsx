// A titled panel: the building block of every dashboard page. The heading labels the section for
// screen readers.
import type { ReactNode } from "react";

export function Card({
  title,
  note,
  className = "",
  bodyClassName = "overflow-x-auto",
  children,
}: {
  title: string;
  note?: string;
  className?: string;
  bodyClassName?: string;
  children: ReactNode;
}) {
  const id = `card-${title.toLowerCase().replace(/[^a-z]+/g, "-")}`;
  return (
    <section aria-labelledby={id} className={`rounded-md border border-slate-200 bg-white ${className}`}>
      <div className="border-b border-slate-200 px-3 py-2">
        <h2 id={id} className="font-semibold">
          {title}
        </h2>
        {note ? <p className="text-xs text-slate-500">{note}</p> : null}
      </div>
      <div className={bodyClassName}>{children}</div>
    </section>
  );
}
