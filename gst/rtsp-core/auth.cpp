#include "auth.hpp"
