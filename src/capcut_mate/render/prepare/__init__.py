"""Stage 2: the plan -> local inputs: media resolved and probed, stills, masks and caption strips drawn once."""
