#include "sdp.hpp"
