#include "message.hpp"
