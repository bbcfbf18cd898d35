/* The smallest program to exec: linked -static so the exec benchmark measures exec itself,
 * not the dynamic loader opening libraries. */
int main(void) { return 0; }
