import type { Store } from '../../src/store/store';

/** Waits until every audit outbox row is delivered, polling the store; fails after `timeoutMs`. */
export async function waitForDrainedOutbox(store: Store, timeoutMs = 60_000): Promise<void> {
  const pending = async () =>
    Number(
      (
        await store.db
          .selectFrom('audit_outbox')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('status', '!=', 'delivered')
          .executeTakeFirstOrThrow()
      ).n,
    );
  const deadline = Date.now() + timeoutMs;
  while ((await pending()) > 0) {
    if (Date.now() > deadline) throw new Error('the outbox did not drain');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
