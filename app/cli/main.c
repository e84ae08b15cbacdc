/* main — placeholder while the faces are being written. */
#include <stdio.h>
int main(void)
{
	puts("wb " WB_VERSION);
	return 0;
}
