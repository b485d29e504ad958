/** The scene model lives beside the contract (the renderer type-checks against it); the engine's modules import it from here. */
export * from '../../contract-scenes.js';
