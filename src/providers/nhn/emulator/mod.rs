//! NHN Cloud Deploy emulator for the sandbox.
