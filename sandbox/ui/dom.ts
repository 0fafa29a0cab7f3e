import { parseFragment, type DefaultTreeAdapterTypes as T } from 'parse5';

/** The few tree operations the churn transform needs, on parse5's default tree. */
export type Element = T.Element;
export type ChildNode = T.ChildNode;
export type ParentNode = T.ParentNode;
export type TextNode = T.TextNode;
export type Document = T.Document;

export const isElement = (node: T.Node): node is T.Element => 'tagName' in node;
export const isText = (node: T.Node): node is T.TextNode => node.nodeName === '#text';

export const attr = (el: Element, name: string): string | undefined => el.attrs.find((a) => a.name === name)?.value;

export function setAttr(el: Element, name: string, value: string): void {
  const found = el.attrs.find((a) => a.name === name);
  if (found) found.value = value;
  else el.attrs.push({ name, value });
}

export function removeAttr(el: Element, name: string): void {
  el.attrs = el.attrs.filter((a) => a.name !== name);
}

/** Every element under `root` in document order, collected first so callers may mutate the tree. */
export function elementsOf(root: ParentNode): Element[] {
  const out: Element[] = [];
  const walk = (node: ParentNode) => {
    for (const child of node.childNodes) {
      if (!isElement(child)) continue;
      out.push(child);
      walk(child);
    }
  };
  walk(root);
  return out;
}

/** Every text node under `root` in document order, those of scripts and styles excluded. */
export function textsOf(root: ParentNode): TextNode[] {
  const out: TextNode[] = [];
  const walk = (node: ParentNode) => {
    for (const child of node.childNodes) {
      if (isText(child)) out.push(child);
      else if (isElement(child) && child.tagName !== 'script' && child.tagName !== 'style') walk(child);
    }
  };
  walk(root);
  return out;
}

export const childElements = (el: ParentNode): Element[] => el.childNodes.filter(isElement);

export const find = (root: ParentNode, test: (el: Element) => boolean): Element | undefined => elementsOf(root).find(test);

export function detach(node: ChildNode): void {
  const parent = node.parentNode;
  if (!parent) return;
  parent.childNodes.splice(parent.childNodes.indexOf(node), 1);
  node.parentNode = null;
}

/** Inserts `node` into `parent` before `ref` (at the end without one). */
export function insertBefore(parent: ParentNode, node: ChildNode, ref?: ChildNode): void {
  detach(node);
  const at = ref ? parent.childNodes.indexOf(ref) : -1;
  parent.childNodes.splice(at < 0 ? parent.childNodes.length : at, 0, node);
  node.parentNode = parent;
}

export function insertAfter(parent: ParentNode, node: ChildNode, ref: ChildNode): void {
  const next = parent.childNodes[parent.childNodes.indexOf(ref) + 1];
  insertBefore(parent, node, next);
}

/** Nodes parsed from trusted markup this module generates, detached and ready to insert. */
export function fragment(html: string): ChildNode[] {
  const nodes = [...parseFragment(html).childNodes];
  for (const n of nodes) n.parentNode = null;
  return nodes;
}

/** The element of `html` (markup with one root element). */
export function elementFrom(html: string): Element {
  const el = fragment(html).find(isElement);
  if (!el) throw new Error(`no element in ${html.slice(0, 40)}`);
  return el;
}
