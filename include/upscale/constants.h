/* Physical constants (CODATA 2018 / SI 2019) and the default reference temperature, shared
 * by every layer: the one place they are defined. */
#ifndef UPSCALE_CONSTANTS_H
#define UPSCALE_CONSTANTS_H

#define UPSCALE_FARADAY 96485.33212    /* C/mol, overridable per cell (cell.faraday_constant) */
#define UPSCALE_GAS 8.314462618        /* J/mol/K */
#define UPSCALE_AVOGADRO 6.02214076e23 /* 1/mol, exact */
#define UPSCALE_REFERENCE_TEMPERATURE 298.15 /* K, default T_ref of Arrhenius factors */

#endif
