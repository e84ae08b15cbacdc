/* placeholder: replaced by the TUI helper */
#include "cli/cli.h"
#include <stdio.h>
int cmd_tui(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "wb: the TUI is not built yet\n");
	return 1;
}
