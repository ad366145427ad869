import { MemoryRoomStore } from '../src/rooms/memory-store.js';
import { roomStoreContract } from './room-store.contract.js';

roomStoreContract('memory', async () => new MemoryRoomStore('node-test'));
