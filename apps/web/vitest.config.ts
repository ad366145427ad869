import { defineProject } from 'vitest/config';
import vue from '@vitejs/plugin-vue';

/**
 * Unit tests of the web client. They run in Node: everything under `media/`,
 * `signaling/` and `recording/` is framework-free and takes its browser APIs
 * (navigator, RTCPeerConnection, …) as injectable dependencies. Unit tests sit beside
 * the code they test; the test doubles they share live under `test/`.
 */
export default defineProject({
  plugins: [vue()],
  test: {
    name: '@meshmeet/web',
    environment: 'node',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
  },
});
