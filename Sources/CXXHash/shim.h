// Debian's libxxhash-dev: XXH3_64bits and the streaming XXH3 state API.
#include <xxhash.h>
