/**
 * The worker's workflow bundle entry: every workflow type the session task queue runs. Only workflow
 * functions belong here; messages, inputs and schemas live in ./contract/ for every side to import.
 */
export { sessionWorkflow } from './session.js';
export { reconcilerWorkflow } from './reconciler.js';
export { warmPoolWorkflow, warmPoolResizeWorkflow } from './warm-pool.js';
