export { instagramLogin } from './login.js';
