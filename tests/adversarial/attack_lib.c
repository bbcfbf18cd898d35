/* A shared library for the dlopen scenario: loading it maps its code PROT_EXEC. */
int cvlsm_attack_lib_marker(void) { return 42; }
