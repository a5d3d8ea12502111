package dev.jacreg.experiment;

import dev.jacreg.attack.Attack;
import dev.jacreg.attack.Norm;
import dev.jacreg.data.Corruption;

import java.util.List;
import java.util.Map;

/**
 * What {@link RobustnessRun} measures beyond the pixel-replacement sweep, checked: the corruptions with their levels
 * and the attacks with their radii (the CLI builds it from --corruption, --attacks and their options).
 *
 * @param corruptions   each listed corruption with its levels, in order (pixel replacement, swept by the commands
 *                      themselves, is skipped)
 * @param epsilons      the attacks' radii; empty without attacks
 * @param pgdStepSize   PGD's step length as given, null for 2.5·ε/steps (for the report's description)
 */
public record RobustnessPlan(Map<Corruption, double[]> corruptions, List<Attack> attacks, double[] epsilons, Norm norm,
                             Double pgdStepSize) {
    /** Nothing beyond pixel replacement. */
    public static final RobustnessPlan NONE = new RobustnessPlan(Map.of(), List.of(), new double[0], Norm.LINF, null);

    public RobustnessPlan {
        corruptions = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(corruptions));
        attacks = List.copyOf(attacks);
        epsilons = epsilons.clone();
    }

    @Override
    public double[] epsilons() {
        return epsilons.clone();
    }

    /** Whether anything beyond the default pixel-replacement sweep is measured. */
    public boolean extra() {
        return !attacks.isEmpty() || corruptions.keySet().stream().anyMatch(c -> c != Corruption.REPLACE);
    }
}
