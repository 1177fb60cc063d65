using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using TorchTensor = TorchSharp.torch.Tensor;

namespace NetCompiler.Bench;

#pragma warning disable IDE1006, IDE0044 // field names are the state_dict names; RegisterComponents reads the fields

/// <summary>The TorchSharp twin of the zoo's one-layer LSTM classifiers (W6's <c>definitions/Zoo/LstmSequenceNet.cs</c>,
/// <c>RowLstmNet.cs</c>), written as a TorchSharp user writes it: <c>nn.LSTM(features, hidden, batch_first: true)</c>
/// over [N, T, features] sequences from zero states, its last hidden state h_n [1, N, hidden] ->
/// <c>nn.Linear(hidden, classes)</c>. The fields carry the definitions' names, so the <c>state_dict</c> is
/// <c>lstm.weight_ih_l0</c> [4 hidden, features], <c>lstm.weight_hh_l0</c> [4 hidden, hidden], <c>lstm.bias_ih_l0</c>,
/// <c>lstm.bias_hh_l0</c> [4 hidden] (gates i, f, g, o), <c>head.weight</c> [classes, hidden], <c>head.bias</c>:
/// NetCompiler's parameter names and layouts, copied by <see cref="TorchClassifier"/> as they are.</summary>
internal sealed class TorchLstmClassifier : Module<TorchTensor, TorchTensor>
{
    private LSTM lstm;
    private Linear head;

    public TorchLstmClassifier(int features, int hidden, int classes) : base(nameof(TorchLstmClassifier))
    {
        lstm = LSTM(features, hidden, batchFirst: true);
        head = Linear(hidden, classes);
        RegisterComponents();
    }

    public override TorchTensor forward(TorchTensor sequences)
    {
        var (_, hidden, _) = lstm.forward(sequences);    // hidden: [1, N, hidden], the state after the last step
        return head.forward(hidden.squeeze(0));          // [N, classes]
    }
}
