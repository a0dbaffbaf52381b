#include "client_session.hpp"
