#include "url.hpp"
