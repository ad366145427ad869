import { createFixture, uniqueRoom } from './support/fixture.js';
import { joinRoom, waitForRemoteTiles } from './support/call.js';
const fx = await createFixture();
try {
  const room = uniqueRoom('dbg');
  const [a, b, c] = await Promise.all(['Ann', 'Ben', 'Cat'].map((n) => fx.open(n)));
  a!.page.on('console', (m) => console.log('A', m.type(), m.text())); a!.page.on('crash', () => console.log('A CRASHED')); a!.page.on('close', () => console.log('A closed'));
  for (const p of [a!, b!, c!]) await joinRoom(p.page, { room, nick: p.name });
  await waitForRemoteTiles(a!.page, 2);
  await a!.page.getByRole('button', { name: 'Record meeting', exact: true }).click();
  await new Promise((r) => setTimeout(r, 10000));
  console.log('alerts:', await a!.page.locator('[role=alert]').allInnerTexts());
  console.log('buttons:', await a!.page.getByRole('button').allInnerTexts());
  console.log('errors', a!.errors);
} finally { await fx.close(); }
