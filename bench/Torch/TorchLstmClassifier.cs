using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using TorchTensor = TorchSharp.torch.Tensor;

namespace NetCompiler.Bench;

#pragma warning disable IDE1006, IDE0044 // field names are the state_dict names; RegisterComponents reads the fields

/// <summary>W6's TorchSharp twin, <c>definitions/Zoo/LstmSequenceNet.cs</c> written as a TorchSharp user writes it:
/// <c>nn.LSTM(16, 64, batch_first: true)</c> over [N, 32, 16] sequences from zero states, its last hidden state h_n
/// [1, N, 64] -> <c>nn.Linear(64, 10)</c>. The fields carry the definition's names, so the <c>state_dict</c> is
/// <c>lstm.weight_ih_l0</c> [256, 16], <c>lstm.weight_hh_l0</c> [256, 64], <c>lstm.bias_ih_l0</c>,
/// <c>lstm.bias_hh_l0</c> [256] (gates i, f, g, o), <c>head.weight</c> [10, 64], <c>head.bias</c>: NetCompiler's
/// parameter names and layouts, copied by <see cref="TorchClassifier"/> as they are.</summary>
internal sealed class TorchLstmSequenceNet : Module<TorchTensor, TorchTensor>
{
    private LSTM lstm = LSTM(16, 64, batchFirst: true);
    private Linear head = Linear(64, 10);

    public TorchLstmSequenceNet() : base(nameof(TorchLstmSequenceNet)) => RegisterComponents();

    public override TorchTensor forward(TorchTensor sequences)
    {
        var (_, hidden, _) = lstm.forward(sequences);    // hidden: [1, N, 64], the state after the last step
        return head.forward(hidden.squeeze(0));          // [N, 10]
    }
}
