export { HttpClient, loadExtraCa, type TokenSecret, type HttpClientOptions, type HttpRequest, type HttpResponse } from './http.js';
export * from './instagram-graph/index.js';
export * from './x/index.js';
