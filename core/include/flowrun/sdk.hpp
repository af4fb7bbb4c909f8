// Everything a plugin author includes.
#pragma once

#include <flowrun/context.hpp>
#include <flowrun/plot.hpp>
#include <flowrun/plugin.hpp>
#include <flowrun/spec.hpp>
#include <flowrun/stage.hpp>
#include <flowrun/version.hpp>
