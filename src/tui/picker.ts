import { infoNotice, READ_ONLY_INSTALLS_NOTICE } from "./control.ts";
import { withRequest } from "./request.ts";
import { clamp } from "./selection.ts";
import type { CatalogItem } from "./source.ts";
import type { CatalogCache, DashboardState, PickerOp, PickerState } from "./state.ts";

/**
 * Entries matching every word of the filter in their target, description, language or
 * quality (case-insensitive), in catalogue order.
 */
export function filterCatalog(entries: readonly CatalogItem[], filter: string): readonly CatalogItem[] {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return entries;
  return entries.filter((e) => {
    const hay = `${e.target}\n${e.description}\n${e.language}\n${e.quality ?? ""}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

/** `i` on the Installs pane: open the picker, loading the catalogue the first time. */
export function openPicker(state: DashboardState, at: number | undefined): DashboardState {
  if (state.help || state.pane !== "installs" || state.picker) return state;
  if (!state.controls) return { ...state, notice: infoNotice(READ_ONLY_INSTALLS_NOTICE, at) };
  const picker: PickerState = { filter: "", cursor: 0 };
  const { catalog } = state;
  if (catalog.entries || catalog.loading !== null) return { ...state, picker };
  return { ...state, picker, nextId: state.nextId + 1, catalog: { entries: null, error: null, loading: state.nextId } };
}

/** The catalogue load `id` settled. */
export function catalogDone(state: DashboardState, id: number, result: { entries?: readonly CatalogItem[]; error?: string }): DashboardState {
  if (state.catalog.loading !== id) return state;
  const catalog: CatalogCache = result.entries ? { entries: result.entries, error: null, loading: null } : { entries: null, error: result.error ?? "the catalogue could not be loaded", loading: null };
  return { ...state, catalog };
}

/** A key while the picker is open. */
export function pickerKey(state: DashboardState, action: PickerOp): DashboardState {
  const picker = state.picker;
  if (!picker) return state;
  switch (action.op) {
    case "type":
      return action.text ? { ...state, picker: { filter: picker.filter + action.text, cursor: 0 } } : state;
    case "erase":
      // By code point, so a typed "é" or emoji goes in one press.
      return picker.filter ? { ...state, picker: { filter: Array.from(picker.filter).slice(0, -1).join(""), cursor: 0 } } : state;
    case "clear":
      return picker.filter ? { ...state, picker: { filter: "", cursor: 0 } } : state;
    case "close":
      return { ...state, picker: null };
    case "move": {
      const n = filterCatalog(state.catalog.entries ?? [], picker.filter).length;
      const cursor = clamp(picker.cursor + action.delta, 0, Math.max(0, n - 1));
      return cursor === picker.cursor ? state : { ...state, picker: { ...picker, cursor } };
    }
    case "choose": {
      const list = filterCatalog(state.catalog.entries ?? [], picker.filter);
      const entry = list[clamp(picker.cursor, 0, list.length - 1)];
      // One request at a time; the footer already says what is under way.
      if (!entry || state.request) return state;
      return withRequest({ ...state, picker: null }, "install", entry.target);
    }
  }
}
