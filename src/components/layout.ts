/**
 * Label widths (in Grafana's 8 px grid units) shared by every field of an
 * editor, so inputs line up down a section and no label wraps. The config
 * editor's longest label is "Max goroutines for full dump", the query
 * editors' "Not created by", each with its tooltip icon; the browser test
 * fails when a label wraps.
 */
export const CONFIG_LABEL_WIDTH = 28;
export const QUERY_LABEL_WIDTH = 18;
