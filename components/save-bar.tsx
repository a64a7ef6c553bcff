"use client";
// The save row of a settings form: the submit button, a live "Saved." / "Unsaved changes." line
// and the API error. The form owns its state; it passes whether it differs from what was saved and
// the save mutation's state.
import { ApiErrorMessage } from "./api-error-message";
import { BUTTON_PRIMARY } from "./modal";

export function SaveBar(props: {
  label: string;
  dirty: boolean;
  save: { isPending: boolean; isSuccess: boolean; error: Error | null };
  canWrite: boolean;
}) {
  const { label, dirty, save, canWrite } = props;
  return (
    <>
      {canWrite ? (
        <div className="flex items-center gap-3">
          <button type="submit" className={BUTTON_PRIMARY} disabled={!dirty || save.isPending}>
            {save.isPending ? "Saving…" : label}
          </button>
          <span aria-live="polite" className="text-slate-600">
            {save.isSuccess && !dirty ? "Saved." : dirty ? "Unsaved changes." : ""}
          </span>
        </div>
      ) : null}
      <ApiErrorMessage error={save.error} />
    </>
  );
}
