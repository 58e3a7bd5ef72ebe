/** Compiled mapping kinds (numbers, so the hot loop compares small integers). */
export const KIND_FIELD = 0;
export const KIND_STATIC = 1;
export const KIND_FORMULA = 2;
export const KIND_LOOKUP = 3;
