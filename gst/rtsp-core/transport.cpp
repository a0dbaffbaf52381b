#include "transport.hpp"
