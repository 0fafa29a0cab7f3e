import { instagramThreadId } from './threads.js';
import type { Platform } from './types.js';

/** A page of an annex surface, and which of its structure variants it shows. */
export interface SurfaceVisit {
  surface: string;
  /** Path on the platform origin. */
  path: string;
  variant: string;
}

/**
 * Every structure variant of every annex surface the flows meet on the sandbox, as the seeded
 * northwind account (logged in) sees them: own and someone else's profile and post, a post that
 * does not exist, the composer, a DM thread. `annex record` and the annex structure test visit
 * these.
 */
export function sandboxSurfaceVisits(platform: Platform): SurfaceVisit[] {
  if (platform === 'instagram') {
    return [
      { surface: 'home', path: '/', variant: 'home (the own profile)' },
      { surface: 'profile', path: '/northwind.bakery/', variant: 'own profile' },
      { surface: 'profile', path: '/ana.reads/', variant: 'another account\'s profile' },
      { surface: 'composer', path: '/create/', variant: 'composer' },
      { surface: 'post', path: '/p/SEED1aBc/', variant: 'own post' },
      { surface: 'post', path: '/p/SEED2aBc/', variant: 'another account\'s post' },
      { surface: 'post', path: '/p/NOTAPOST0/', variant: 'a post that does not exist' },
      { surface: 'dm_thread', path: `/direct/t/${instagramThreadId('17841400000000001', '6100000000000001')}/`, variant: 'DM thread (with ana.reads)' },
    ];
  }
  return [
    { surface: 'home', path: '/home', variant: 'home timeline' },
    { surface: 'profile', path: '/northwindbakery', variant: 'own profile' },
    { surface: 'profile', path: '/ana_reads', variant: 'another account\'s profile' },
    { surface: 'composer', path: '/compose/post', variant: 'composer' },
    { surface: 'composer_receipt', path: '/compose/post', variant: 'composer, read for the toast after a post' },
    { surface: 'post', path: '/northwindbakery/status/1860000000000000001', variant: 'own post' },
    { surface: 'post', path: '/lumenstudio/status/1860000000000000002', variant: 'another account\'s post' },
    { surface: 'post', path: '/northwindbakery/status/1869999999999999999', variant: 'a post that does not exist' },
    { surface: 'dm_thread', path: '/messages/1500000000000000101', variant: 'DM thread' },
  ];
}
