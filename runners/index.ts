export { createServices, type Services, type ServiceOverrides } from './services.js';
export { PerformerRegistry } from './performers.js';
