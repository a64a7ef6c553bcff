// Shows a bucket or queue policy, and for a replacement the line diff old -> new, with +/- markers
// so the change does not rely on colour.
import { diffLines, formatPolicy } from "./line-diff";

export function PolicyText({ policy, label }: { policy: string | null; label: string }) {
  if (policy === null) return <p className="text-slate-600">{label}: none.</p>;
  return (
    <figure>
      <figcaption className="mb-1 text-xs font-semibold uppercase text-slate-500">{label}</figcaption>
      <pre tabIndex={0} className="max-h-72 overflow-auto rounded border border-slate-200 bg-slate-50 p-2 text-xs leading-5">
        {formatPolicy(policy)}
      </pre>
    </figure>
  );
}

export function PolicyDiff({ before, after }: { before: string | null; after: string | null }) {
  const lines = diffLines(formatPolicy(before), formatPolicy(after));
  const added = lines.filter((l) => l.kind === "added").length;
  const removed = lines.filter((l) => l.kind === "removed").length;
  return (
    <figure data-testid="policy-diff">
      <figcaption className="mb-1 text-xs font-semibold uppercase text-slate-500">
        Change, current → new ({removed} line{removed === 1 ? "" : "s"} removed, {added} added)
      </figcaption>
      <pre tabIndex={0} className="max-h-96 overflow-auto rounded border border-slate-200 bg-white text-xs leading-5">
        {lines.map((l, i) => (
          <div
            key={i}
            className={l.kind === "added" ? "bg-emerald-50 text-emerald-900" : l.kind === "removed" ? "bg-red-50 text-red-900" : "text-slate-700"}
          >
            <span aria-hidden="true" className="inline-block w-5 select-none pl-1 text-slate-500">
              {l.kind === "added" ? "+" : l.kind === "removed" ? "-" : " "}
            </span>
            <span className="sr-only">{l.kind === "added" ? "added: " : l.kind === "removed" ? "removed: " : ""}</span>
            {l.text}
          </div>
        ))}
      </pre>
    </figure>
  );
}
