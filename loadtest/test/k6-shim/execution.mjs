// Stand-in for 'k6/execution': the test sets the iteration number before each call.
export const scenario = { iterationInTest: 0 };
export default { scenario };
