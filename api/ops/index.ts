export { killTarget, setKillSwitch, KillChange, type KillTarget } from './kill.js';
