import { useState } from "react";
import { isEditConflict } from "../api/etag";

/**
 * An edit form's hold on the version it loaded: `etag` to send as If-Match, `saved(etag)` after its own save,
 * `caught(error)` (true for a 412, whose message `conflict` then holds) and `reloaded(etag)` once the form
 * shows what the server has now.
 */
export function useEditVersion(loaded: string | null) {
  const [etag, setEtag] = useState(loaded);
  const [conflict, setConflict] = useState<string | null>(null);
  const fresh = (tag: string | null) => {
    setEtag(tag);
    setConflict(null);
  };
  return {
    etag,
    conflict,
    saved: fresh,
    reloaded: fresh,
    caught(error: unknown): boolean {
      if (!isEditConflict(error)) return false;
      setConflict(error.detail ?? error.title);
      return true;
    },
  };
}
