/**
 * Namespaces of the transaction-scoped advisory locks (`pg_advisory_xact_lock(namespace,
 * hashtext(id))`). A hash collision only makes two unrelated ids wait for each other, never
 * lets two holders of one id in at once.
 */
export const LOCK = {
  /** One account's budget: counting its uses and recording a new one happen under it. */
  budget: 1,
  /** One client's policy versions. */
  policyVersions: 2,
  /** The kill-switch history: its sequence numbers follow commit order. */
  killSwitchHistory: 3,
} as const;
