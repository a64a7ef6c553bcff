"use client";
// The OU tree beside the account table: expand/collapse (children rendered only when expanded),
// subtree roll-ups of non-compliant accounts, search by name/path/id, and WAI-ARIA tree keyboard
// navigation (arrows, Home/End, Enter/Space to select). The tree is rendered flat (aria-level,
// aria-setsize, aria-posinset) so each item's accessible name is its own row, not its subtree's.
import { useMemo, useRef, useState, type KeyboardEvent } from "react";
import type { TSerialized } from "@/components/fetch-json";
import type { TOuNode, TOuTree } from "@/lib/inventory/get-ou-tree";

type TNode = TSerialized<TOuNode>;
type TRow = { node: TNode; level: number; setSize: number; posInSet: number };

export function OuTree({
  tree,
  selectedId,
  onSelect,
}: {
  tree: TSerialized<TOuTree>;
  /** null = the whole organization (the root). */
  selectedId: string | null;
  onSelect: (ouId: string | null) => void;
}) {
  const byId = useMemo(() => new Map(tree.nodes.map((n) => [n.id, n])), [tree.nodes]);
  const rootId = tree.rootId;
  const current = selectedId ?? rootId;

  const [expanded, setExpanded] = useState<Set<string>>(() => {
    const open = new Set<string>(rootId ? [rootId] : []);
    // Open the way down to the selected OU so a deep link shows it.
    let node = current ? byId.get(current) : undefined;
    while (node?.parentId) {
      open.add(node.parentId);
      node = byId.get(node.parentId);
    }
    return open;
  });
  const [focusedId, setFocusedId] = useState<string | null>(current);
  const [search, setSearch] = useState("");
  const itemRefs = useRef(new Map<string, HTMLElement>());

  const visible = useMemo(() => {
    const out: TRow[] = [];
    const walk = (node: TNode, level: number, setSize: number, posInSet: number) => {
      out.push({ node, level, setSize, posInSet });
      if (!expanded.has(node.id)) return;
      const children = childrenOf(node, byId);
      children.forEach((child, i) => walk(child, level + 1, children.length, i + 1));
    };
    const root = rootId ? byId.get(rootId) : undefined;
    if (root) walk(root, 1, 1, 1);
    return out;
  }, [byId, rootId, expanded]);

  const matches = useMemo(() => {
    const q = search.trim().toLowerCase();
    if (!q) return null;
    return tree.nodes.filter((n) => n.path.toLowerCase().includes(q) || n.id.toLowerCase().includes(q)).slice(0, 200);
  }, [search, tree.nodes]);

  const select = (id: string) => onSelect(id === rootId ? null : id);
  const toggle = (id: string) =>
    setExpanded((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const focus = (id: string) => {
    setFocusedId(id);
    itemRefs.current.get(id)?.focus();
  };

  const onKeyDown = (e: KeyboardEvent, node: TNode) => {
    const i = visible.findIndex((r) => r.node.id === node.id);
    const hasChildren = childrenOf(node, byId).length > 0;
    const isOpen = expanded.has(node.id);
    let handled = true;
    switch (e.key) {
      case "ArrowDown":
        if (i < visible.length - 1) focus(visible[i + 1].node.id);
        break;
      case "ArrowUp":
        if (i > 0) focus(visible[i - 1].node.id);
        break;
      case "ArrowRight":
        if (hasChildren && !isOpen) toggle(node.id);
        else if (hasChildren) focus(childrenOf(node, byId)[0].id);
        break;
      case "ArrowLeft":
        if (hasChildren && isOpen) toggle(node.id);
        else if (node.parentId) focus(node.parentId);
        break;
      case "Home":
        if (visible[0]) focus(visible[0].node.id);
        break;
      case "End":
        if (visible.length > 0) focus(visible[visible.length - 1].node.id);
        break;
      case "Enter":
      case " ":
        select(node.id);
        break;
      default:
        handled = false;
    }
    if (handled) e.preventDefault();
  };

  const renderItem = ({ node, level, setSize, posInSet }: TRow) => {
    const hasChildren = childrenOf(node, byId).length > 0;
    const isOpen = expanded.has(node.id);
    const isSelected = node.id === current;
    return (
      <li
        key={node.id}
        role="treeitem"
        aria-level={level}
        aria-setsize={setSize}
        aria-posinset={posInSet}
        aria-expanded={hasChildren ? isOpen : undefined}
        aria-selected={isSelected}
        tabIndex={node.id === (focusedId ?? current) ? 0 : -1}
        ref={(el) => {
          if (el) itemRefs.current.set(node.id, el);
          else itemRefs.current.delete(node.id);
        }}
        onKeyDown={(e) => {
          if (e.target === e.currentTarget) onKeyDown(e, node);
        }}
        onFocus={(e) => {
          if (e.target === e.currentTarget) setFocusedId(node.id);
        }}
        data-ou-id={node.id}
        className="outline-none focus-visible:[&>div]:ring-2 focus-visible:[&>div]:ring-blue-600"
      >
        <div
          className={`flex cursor-pointer items-center gap-1 rounded py-0.5 pr-1 text-sm ${
            isSelected ? "bg-slate-900 text-white" : "hover:bg-slate-100"
          }`}
          style={{ paddingLeft: `${(level - 1) * 14 + 2}px` }}
          onClick={() => {
            setFocusedId(node.id);
            select(node.id);
          }}
          title={node.path}
        >
          {hasChildren ? (
            <span
              aria-hidden="true"
              onClick={(e) => {
                e.stopPropagation();
                toggle(node.id);
              }}
              className={`inline-flex h-4 w-4 shrink-0 items-center justify-center rounded text-[10px] ${
                isSelected ? "hover:bg-slate-700" : "text-slate-500 hover:bg-slate-200"
              }`}
            >
              {isOpen ? "▾" : "▸"}
            </span>
          ) : (
            <span aria-hidden="true" className="inline-block h-4 w-4 shrink-0" />
          )}
          <OuLabel label={node.isRoot ? "Whole organization" : node.name} node={node} />
          <Counts node={node} inverted={isSelected} />
        </div>
      </li>
    );
  };

  return (
    <div className="flex min-h-0 flex-col" data-testid="ou-tree">
      <label className="mb-2 block">
        <span className="sr-only">Search OUs</span>
        <input
          type="search"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          placeholder="Search OUs by name, path or id"
          className="w-full rounded border border-slate-300 bg-white px-2 py-1 text-sm"
        />
      </label>
      {matches ? (
        <ul aria-label="Matching OUs" className="space-y-0.5 overflow-auto">
          {matches.length === 0 ? <li className="px-1 text-sm text-slate-500">No OU matches “{search}”.</li> : null}
          {matches.map((n) => (
            <li key={n.id}>
              <button
                type="button"
                onClick={() => {
                  setSearch("");
                  setExpanded((prev) => {
                    const next = new Set(prev);
                    let p = n.parentId ? byId.get(n.parentId) : undefined;
                    while (p) {
                      next.add(p.id);
                      p = p.parentId ? byId.get(p.parentId) : undefined;
                    }
                    return next;
                  });
                  setFocusedId(n.id);
                  select(n.id);
                }}
                className="flex w-full items-center gap-1 rounded px-1 py-0.5 text-left text-sm hover:bg-slate-100"
              >
                <OuLabel label={n.path} node={n} title={n.id} />
                <Counts node={n} inverted={false} />
              </button>
            </li>
          ))}
        </ul>
      ) : visible.length > 0 ? (
        <ul role="tree" aria-label="Organizational units" className="overflow-auto">
          {visible.map(renderItem)}
        </ul>
      ) : (
        <p className="text-sm text-slate-500">No OUs synced yet.</p>
      )}
    </div>
  );
}

function childrenOf(node: TNode, byId: ReadonlyMap<string, TNode>): TNode[] {
  return node.childIds.map((id) => byId.get(id)).filter((n): n is TNode => !!n);
}

// The name as seen, and for assistive technology the name with the counts in words. The visible
// parts are hidden from it so the accessible name reads "Sales, 3 non-compliant of 12 accounts".
function OuLabel({ label, node, title }: { label: string; node: TNode; title?: string }) {
  return (
    <>
      <span className="truncate" aria-hidden="true" title={title}>
        {label}
      </span>
      <span className="sr-only">{`${label}, ${node.subtree.NON_COMPLIANT} non-compliant of ${node.subtree.total} accounts`}</span>
    </>
  );
}

function Counts({ node, inverted }: { node: TNode; inverted: boolean }) {
  const nc = node.subtree.NON_COMPLIANT;
  return (
    <span aria-hidden="true" className="ml-auto flex shrink-0 items-center gap-1 pl-1 text-[11px] tabular-nums">
      {nc > 0 ? (
        <span
          className={`rounded px-1 font-semibold ${inverted ? "bg-red-700 text-white" : "bg-red-100 text-red-800"}`}
          title={`${nc} non-compliant in this OU and below`}
        >
          ✕ {nc}
        </span>
      ) : null}
      <span className={inverted ? "text-slate-300" : "text-slate-500"} title={`${node.subtree.total} accounts in this OU and below`}>
        {node.subtree.total}
      </span>
    </span>
  );
}
