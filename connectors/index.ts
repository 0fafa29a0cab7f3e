export { HttpClient, type TokenSecret, type HttpClientOptions, type HttpRequest, type HttpResponse } from './http.js';
