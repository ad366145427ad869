/**
 * Entry point. Only the lobby is in the initial bundle; the call view (with
 * socket.io, the mesh and recording) is loaded on demand, see App.vue.
 */
import { createApp } from 'vue';
import App from './App.vue';
import { initLocale } from './i18n';
import './styles/base.css';

initLocale();
const app = createApp(App);
// A throwing component handler is logged, never allowed to take the page down.
app.config.errorHandler = (err, _instance, info) => {
  console.error(`[meshmeet] ${info}:`, err);
};
app.mount('#app');
