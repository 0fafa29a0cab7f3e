import { avatarPath } from '../avatars.js';
import type { PlatformUi } from '../ui/router.js';
import { xV1 } from './ui-v1.js';
import { xV2 } from './ui-v2.js';

const q = (next?: string) => (next ? `?redirect_after_login=${encodeURIComponent(next)}` : '');

/** X-like browser surfaces: x.com's paths, two layouts. */
export const xUi: PlatformUi = {
  platform: 'x',
  accountCookie: { name: 'twid', encode: (id) => `u=${id}`, decode: (v) => v.replace(/^u=/, '') },
  cookie: 'auth_token',
  paths: {
    login: '/i/flow/login',
    logout: '/logout',
    switchAccount: '/i/account/switch',
    challenge: '/account/access',
    compose: '/compose/post',
    inbox: '/messages',
    thread: '/messages/:peer',
    post: '/:handle/status/:code',
    profile: '/:handle',
  },
  urls: {
    login: (next) => `/i/flow/login${q(next)}`,
    logout: '/logout',
    switchAccount: '/i/account/switch',
    challenge: '/account/access',
    compose: '/compose/post',
    inbox: '/messages',
    home: '/home',
    profile: (a) => `/${a.handle}`,
    post: (p, a) => `/${a.handle}/status/${p.id}`,
    postAction: (p, a, action) => `/${a.handle}/status/${p.id}/${action}`,
    follow: (a) => `/${a.handle}/follow`,
    thread: (peer) => `/messages/${peer.id}`,
    avatar: (a) => avatarPath('x', a.id),
    media: (name) => `/media/${name}`,
  },
  // x.com's conversation URLs carry account ids (its own are `<low id>-<high id>`; here the peer's).
  threadPeer: (key, _me, accounts) => accounts.find((a) => a.platform === 'x' && a.id === key),
  layouts: { v1: xV1, v2: xV2 },
};
