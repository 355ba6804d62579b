/**
 * A variable that `beforeAll` assigns, as `afterAll` may find it: still unassigned when
 * `beforeAll` failed first (vitest runs `afterAll` all the same, and peers started side by side
 * are assigned one by one as each starts), which the variable's own type cannot say.
 */
export const ifAssigned = <T>(value: T): T | undefined => value;
