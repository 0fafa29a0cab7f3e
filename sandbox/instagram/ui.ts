import { avatarPath } from '../avatars.js';
import { instagramThreadId, instagramThreadPeer } from '../threads.js';
import type { PlatformUi } from '../ui/router.js';
import { instagramV1 } from './ui-v1.js';
import { instagramV2 } from './ui-v2.js';

const q = (next?: string) => (next ? `?next=${encodeURIComponent(next)}` : '');

/** Instagram-like browser surfaces: instagram.com's paths, two layouts. */
export const instagramUi: PlatformUi = {
  platform: 'instagram',
  accountCookie: { name: 'ds_user_id', encode: (id) => id, decode: (v) => v },
  cookie: 'sessionid',
  paths: {
    login: '/accounts/login/',
    logout: '/accounts/logout/',
    switchAccount: '/accounts/switch/',
    challenge: '/challenge/',
    compose: '/create/',
    inbox: '/direct/inbox/',
    thread: '/direct/t/:peer/',
    post: '/p/:code/',
    profile: '/:handle/',
  },
  urls: {
    login: (next) => `/accounts/login/${q(next)}`,
    logout: '/accounts/logout/',
    switchAccount: '/accounts/switch/',
    challenge: '/challenge/',
    compose: '/create/',
    inbox: '/direct/inbox/',
    home: '/',
    profile: (a) => `/${a.handle}/`,
    post: (p) => `/p/${p.code}/`,
    postAction: (p, _a, action) => `/p/${p.code}/${action}`,
    follow: (a) => `/${a.handle}/follow`,
    thread: (peer, me) => `/direct/t/${instagramThreadId(me.id, peer.id)}/`,
    avatar: (a) => avatarPath('instagram', a.id),
    media: (name) => `/media/${name}`,
  },
  threadPeer: instagramThreadPeer,
  layouts: { v1: instagramV1, v2: instagramV2 },
};
