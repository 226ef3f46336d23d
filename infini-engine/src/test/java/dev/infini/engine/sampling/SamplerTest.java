package dev.infini.engine.sampling;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The sampler draws from the distribution its options describe: greedy argmax, softmax at a temperature, cut to the
 * top k or the nucleus p, after the CTRL repetition penalty, and the same draws for the same seed.
 */
class SamplerTest {

    private static final int DRAWS = 20_000;
    // probabilities 0.5, 0.3, 0.15, 0.05 at temperature 1
    private static final float[] LOGITS = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.15),
            (float) Math.log(0.05)};

    @Test
    void temperatureZeroIsArgmaxWithTheLowestIndexWinningTies() {
        Sampler sampler = new Sampler(GenerationOptions.builder().temperature(0).seed(1L).build());
        assertThat(sampler.sample(new float[] {0.1f, 3f, -2f, 3f}, new int[0], List.of())).isEqualTo(1);
        assertThat(Sampler.argmax(new float[] {-5f, -1f, -1f})).isEqualTo(1);
    }

    @Test
    void samplingAtATemperatureFollowsTheSoftmaxOfTheScaledLogits() {
        for (double temperature : new double[] {0.5, 1.0, 2.0}) {
            double[] frequencies = frequencies(GenerationOptions.builder().temperature(temperature).seed(3L).build(),
                    LOGITS);
            double[] expected = softmax(LOGITS, temperature);
            for (int i = 0; i < LOGITS.length; i++) {
                assertThat(frequencies[i]).as("T=%s, token %d", temperature, i).isCloseTo(expected[i], within(0.015));
            }
        }
    }

    @Test
    void topKKeepsOnlyTheKMostLikelyTokens() {
        double[] top1 = frequencies(GenerationOptions.builder().temperature(1).topK(1).seed(4L).build(), LOGITS);
        assertThat(top1[0]).isEqualTo(1.0);
        double[] top3 = frequencies(GenerationOptions.builder().temperature(1).topK(3).seed(4L).build(), LOGITS);
        assertThat(top3[3]).isZero();
        // renormalized over the three kept: 0.5/0.95, 0.3/0.95, 0.15/0.95
        assertThat(top3[0]).isCloseTo(0.5 / 0.95, within(0.015));
        assertThat(top3[1]).isCloseTo(0.3 / 0.95, within(0.015));
        assertThat(top3[2]).isCloseTo(0.15 / 0.95, within(0.015));
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        double[] nucleus = frequencies(GenerationOptions.builder().temperature(1).topP(0.75).seed(5L).build(), LOGITS);
        // 0.5 < 0.75 ≤ 0.5 + 0.3: the first two, renormalized
        assertThat(nucleus[2]).isZero();
        assertThat(nucleus[3]).isZero();
        assertThat(nucleus[0]).isCloseTo(0.5 / 0.8, within(0.015));
        double[] tight = frequencies(GenerationOptions.builder().temperature(1).topP(0.4).seed(5L).build(), LOGITS);
        assertThat(tight[0]).isEqualTo(1.0);
        // top-k then top-p: k=3 renormalizes to 0.526, 0.316, 0.158, so p=0.8 keeps two
        double[] both = frequencies(GenerationOptions.builder().temperature(1).topK(3).topP(0.8).seed(5L).build(),
                LOGITS);
        assertThat(both[2]).isZero();
        assertThat(both[0]).isCloseTo(0.5 / 0.8, within(0.015));
    }

    @Test
    void theRepetitionPenaltyPushesSeenTokensDown() {
        float[] logits = {2.0f, 1.9f, -1.0f, -1.05f};
        GenerationOptions penalized = GenerationOptions.builder().repetitionPenalty(1.2).build();
        GenerationOptions plain = GenerationOptions.builder().build();
        assertThat(new Sampler(plain).sample(logits, new int[] {0}, List.of())).isEqualTo(0);
        // a positive logit is divided: 2.0 / 1.2 < 1.9
        assertThat(new Sampler(penalized).sample(logits, new int[] {0}, List.of())).isEqualTo(1);
        // tokens generated in this call count too
        assertThat(new Sampler(penalized).sample(logits, new int[0], List.of(0))).isEqualTo(1);
        // a negative logit is multiplied: -1.0 · 1.2 < -1.05
        float[] negative = {-1.0f, -1.05f, -3f};
        assertThat(new Sampler(penalized).sample(negative, new int[] {0}, List.of())).isEqualTo(1);
        // the caller's logits are left alone
        assertThat(logits).containsExactly(2.0f, 1.9f, -1.0f, -1.05f);
    }

    @Test
    void theNgramLimitRulesOutATokenThatWouldRepeatAGeneratedNgramButNotOneFromTheContext() {
        float[] logits = {0f, 3f, 2f, 1f}; // token 1 is the model's choice wherever it is allowed
        GenerationOptions three = GenerationOptions.builder().noRepeatNgramSize(3).build();
        // generated 1 2 1 2: the trigram 1 2 1 is already there, so 1 is out and 2 wins
        assertThat(new Sampler(three).sample(logits, new int[0], List.of(1, 2, 1, 2))).isEqualTo(2);
        // the same tokens in the conversation (the context) do not count: copying from it stays free
        assertThat(new Sampler(three).sample(logits, new int[] {1, 2, 1, 2}, List.of(0, 1, 2))).isEqualTo(1);
        // too few tokens generated for any n-gram, and the limit off
        assertThat(new Sampler(three).sample(logits, new int[0], List.of(2))).isEqualTo(1);
        assertThat(new Sampler(GenerationOptions.builder().build()).sample(logits, new int[0], List.of(1, 2, 1, 2)))
                .isEqualTo(1);
        // n = 1: no token twice; under sampling the ruled-out token is never drawn
        GenerationOptions once = GenerationOptions.builder().noRepeatNgramSize(1).temperature(1).seed(3L).build();
        Sampler sampler = new Sampler(once);
        for (int i = 0; i < 200; i++) {
            assertThat(sampler.sample(logits, new int[0], List.of(1, 3))).isIn(0, 2);
        }
        assertThat(logits).containsExactly(0f, 3f, 2f, 1f);
        assertThatThrownBy(() -> GenerationOptions.builder().noRepeatNgramSize(-1).build())
                .hasMessageContaining("noRepeatNgramSize");
    }

    @Test
    void theSameSeedGivesTheSameDraws() {
        GenerationOptions options = GenerationOptions.builder().temperature(1.0).seed(42L).build();
        float[] flat = new float[50];
        assertThat(draws(options, flat)).isEqualTo(draws(options, flat));
        assertThat(draws(options.mutate().seed(43L).build(), flat)).isNotEqualTo(draws(options, flat));
    }

    private static List<Integer> draws(GenerationOptions options, float[] logits) {
        Sampler sampler = new Sampler(options);
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            out.add(sampler.sample(logits, new int[0], List.of()));
        }
        return out;
    }

    private static double[] frequencies(GenerationOptions options, float[] logits) {
        Sampler sampler = new Sampler(options);
        double[] counts = new double[logits.length];
        for (int i = 0; i < DRAWS; i++) {
            counts[sampler.sample(logits, new int[0], List.of())]++;
        }
        return IntStream.range(0, counts.length).mapToDouble(i -> counts[i] / DRAWS).toArray();
    }

    private static double[] softmax(float[] logits, double temperature) {
        double[] p = new double[logits.length];
        double total = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(logits[i] / temperature);
            total += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= total;
        }
        return p;
    }
}
