import { z } from 'zod';
import type { ActionType } from '../store/index.js';

const text = z.string().min(1).max(10_000);
const target = z.string().min(1).max(500);
const media = z.object({
  /** A path under the data dir or a URL the platform can fetch. */
  source: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  kind: z.enum(['image', 'video']).default('image'),
});

const content = z.looseObject({ caption: text.optional(), text: text.optional(), media: z.array(media).max(10).optional() })
  .refine((p) => p.caption !== undefined || p.text !== undefined || (p.media?.length ?? 0) > 0, { message: 'needs caption, text or media' });

/** What each action type needs in its payload; platforms may add fields of their own. */
export const PAYLOAD_SCHEMAS: Record<ActionType, z.ZodType<Record<string, unknown>>> = {
  publish: content,
  schedule: z.looseObject({ publish_at: z.string().datetime({ offset: true }), caption: text.optional(), text: text.optional(), media: z.array(media).optional() }),
  dm_send: z.looseObject({ recipient: target, text }),
  comment_reply: z.looseObject({ target, text }),
  like: z.looseObject({ target }),
  follow: z.looseObject({ target }),
  edit: z.looseObject({ target, caption: text.optional(), text: text.optional() }),
  delete: z.looseObject({ target }),
};
