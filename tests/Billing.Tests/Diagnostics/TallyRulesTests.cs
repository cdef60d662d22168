using Billing.Features.Diagnostics;

namespace Billing.Tests.Diagnostics;

public class TallyRulesTests
{
    [Fact]
    public void A_tally_is_not_complete_before_it_is_opened_however_many_additions_arrived() =>
        TallyRules.IsComplete(new TallyState { Applied = [1, 2, 3] }).ShouldBeFalse();

    [Fact]
    public void A_tally_is_complete_once_its_expected_additions_arrived() =>
        TallyRules.IsComplete(new TallyState { ExpectedCount = 2, Applied = [2, 1] }).ShouldBeTrue();

    [Fact]
    public void A_tally_short_of_its_expected_additions_is_not_complete() =>
        TallyRules.IsComplete(new TallyState { ExpectedCount = 3, Applied = [1, 2] }).ShouldBeFalse();
}
