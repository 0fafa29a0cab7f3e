export { ApiRoutes, type RouteDef, type RouteContext } from './routes.js';
export { parsePart, encodeCursor, decodeCursor, pageOf, PageQuery, RowCursor, SeqCursor, type Page, type Part } from './validate.js';
