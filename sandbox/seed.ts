import type { Account, Platform, SandboxData } from './types.js';

const SEED_TIME = Date.parse('2025-01-06T09:00:00Z');
const at = (minutes: number) => new Date(SEED_TIME + minutes * 60_000).toISOString();

function account(platform: Platform, kind: Account['kind'], id: string, handle: string, display_name: string, bio: string): Account {
  const slug = handle.replace(/[^a-z0-9]/gi, '');
  return {
    id,
    platform,
    kind,
    handle,
    display_name,
    bio,
    password: `${slug}-pass`,
    token: platform === 'instagram' ? `IGSBX.${slug}.token` : `XSBX-${slug}-token`,
  };
}

/** The seeded world: fixed ids, handles, passwords and tokens (documented in sandbox/README.md). */
export const SEED_ACCOUNTS: readonly Account[] = [
  account('instagram', 'business', '17841400000000001', 'northwind.bakery', 'Northwind Bakery', 'Sourdough & pastries, baked daily.'),
  account('instagram', 'business', '17841400000000002', 'lumen.studio', 'Lumen Studio', 'Portraits and brand photography.'),
  account('instagram', 'business', '17841400000000003', 'harbor.fitness', 'Harbor Fitness', 'Strength classes by the water.'),
  account('instagram', 'audience', '6100000000000001', 'ana.reads', 'Ana Ribeiro', 'Books and coffee.'),
  account('instagram', 'audience', '6100000000000002', 'marco.trails', 'Marco Bianchi', 'Hiking every weekend.'),
  account('instagram', 'audience', '6100000000000003', 'kiko.eats', 'Kiko Tanaka', 'Food diary.'),
  account('x', 'business', '1500000000000000001', 'northwindbakery', 'Northwind Bakery', 'Sourdough & pastries, baked daily.'),
  account('x', 'business', '1500000000000000002', 'lumenstudio', 'Lumen Studio', 'Portraits and brand photography.'),
  account('x', 'business', '1500000000000000003', 'harborfitness', 'Harbor Fitness', 'Strength classes by the water.'),
  account('x', 'audience', '1500000000000000101', 'ana_reads', 'Ana Ribeiro', 'Books and coffee.'),
  account('x', 'audience', '1500000000000000102', 'marcotrails', 'Marco Bianchi', 'Hiking every weekend.'),
  account('x', 'audience', '1500000000000000103', 'kikoeats', 'Kiko Tanaka', 'Food diary.'),
];

/**
 * `n` more business accounts per platform (startSandbox's `extraAccounts`), for farms of many
 * accounts: the k-th (1-based) is `agency.client<kkk>` on Instagram (id `17841400001` + k on 6
 * digits) and `agencyclient<kkk>` on X (id `1500000001` + k on 9 digits), display name
 * `Agency Client <kkk>`, password and token by the same rules as the seeded ones.
 */
export function extraAccounts(n: number): Account[] {
  const out: Account[] = [];
  for (let k = 1; k <= n; k += 1) {
    const num = String(k).padStart(3, '0');
    const name = `Agency Client ${num}`;
    const bio = `Client account ${num} of the agency.`;
    out.push(
      account('instagram', 'business', `17841400001${String(k).padStart(6, '0')}`, `agency.client${num}`, name, bio),
      account('x', 'business', `1500000001${String(k).padStart(9, '0')}`, `agencyclient${num}`, name, bio),
    );
  }
  return out;
}

/** Fresh sandbox state: accounts, a few seeded posts with audience likes, comments and DMs. */
export function seedData(): SandboxData {
  const data: SandboxData = {
    schema: 1,
    layout: { instagram: 'v1', x: 'v1' },
    counter: 1000,
    accounts: SEED_ACCOUNTS.map((a) => ({ ...a })),
    posts: [],
    comments: [],
    likes: [],
    follows: [],
    messages: [],
    containers: [],
    sessions: [],
    effects: [],
    webhook: null,
    deliveries: [],
  };
  const ig = ['17841400000000001', '17841400000000002', '17841400000000003'];
  const igFans = ['6100000000000001', '6100000000000002', '6100000000000003'];
  const captions = ['Fresh out of the oven this morning.', 'Behind the scenes of today’s shoot.', 'Saturday class, full house!'];
  ig.forEach((owner, i) => {
    const id = `1790000000000000${i + 1}`;
    data.posts.push({ id, platform: 'instagram', code: `SEED${i + 1}aBc`, account_id: owner, text: captions[i]!, media: `seed-${id}.png`, created_at: at(i * 10), via: 'seed' });
    igFans.forEach((fan, j) => {
      if (j <= i) data.likes.push({ platform: 'instagram', account_id: fan, post_id: id, at: at(i * 10 + j + 1) });
    });
    data.comments.push({ id: `1800000000000000${i + 1}`, platform: 'instagram', post_id: id, account_id: igFans[i]!, text: 'Love this! Do you ship?', created_at: at(i * 10 + 5) });
    data.follows.push({ platform: 'instagram', follower_id: igFans[i]!, followee_id: owner, at: at(i) });
  });
  const x = ['1500000000000000001', '1500000000000000002', '1500000000000000003'];
  const xFans = ['1500000000000000101', '1500000000000000102', '1500000000000000103'];
  const texts = ['Our rye loaf is back on the shelves today.', 'New studio hours: Tue–Sat, 10 to 6.', 'Free trial class this Friday at 7am.'];
  x.forEach((owner, i) => {
    const id = `186000000000000000${i + 1}`;
    data.posts.push({ id, platform: 'x', code: id, account_id: owner, text: texts[i]!, created_at: at(i * 10), via: 'seed' });
    const reply = `186000000000000010${i + 1}`;
    data.posts.push({ id: reply, platform: 'x', code: reply, account_id: xFans[i]!, text: 'Can’t wait!', reply_to: id, created_at: at(i * 10 + 3), via: 'seed' });
    xFans.forEach((fan, j) => {
      if (j <= i) data.likes.push({ platform: 'x', account_id: fan, post_id: id, at: at(i * 10 + j + 1) });
    });
    data.follows.push({ platform: 'x', follower_id: xFans[i]!, followee_id: owner, at: at(i) });
  });
  data.messages.push(
    { id: 'aWdfZAG1faXRlbTpzZWVkMQ', platform: 'instagram', from_id: '6100000000000001', to_id: '17841400000000001', text: 'Hi! Are you open on Sundays?', at: at(30) },
    { id: '1870000000000000001', platform: 'x', from_id: '1500000000000000101', to_id: '1500000000000000001', text: 'Do you take custom cake orders?', at: at(30) },
  );
  return data;
}

/**
 * `n` older posts on every business account (startSandbox's `history`), one a day, the newest a
 * day before `nowMs`: an account that posts daily, whose grid a scan has to read past its newest
 * tiles. Ids and shortcodes are derived from the account and the index, stable across resets.
 */
export function historyPosts(accounts: readonly Account[], n: number, nowMs: number): SandboxData['posts'] {
  const posts: SandboxData['posts'] = [];
  for (const a of accounts) {
    if (a.kind !== 'business') continue;
    for (let k = 1; k <= n; k += 1) {
      const id = a.platform === 'instagram' ? `179${a.id.slice(-9)}${String(k).padStart(4, '0')}` : `185${a.id.slice(-12)}${String(k).padStart(4, '0')}`;
      posts.push({
        id, platform: a.platform, code: a.platform === 'instagram' ? `H${a.id.slice(-9)}h${k}` : id, account_id: a.id,
        text: `From the archive, day ${k}.`, ...(a.platform === 'instagram' ? { media: `history-${id}.png` } : {}),
        created_at: new Date(nowMs - k * 86_400_000).toISOString(), via: 'seed',
      });
    }
  }
  return posts;
}
