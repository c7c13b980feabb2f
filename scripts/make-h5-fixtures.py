# Writes the Keras 2 .h5 fixtures (test/fixtures/README.md). Needs h5py: Debian python3-h5py, run with /usr/bin/python3.
import h5py, json, numpy as np
model = json.load(open('test/fixtures/keras/keras2-sequential.json'))
version = model.pop('keras_version', '2.2.4')
backend = model.pop('backend', 'tensorflow')
with h5py.File('test/fixtures/keras/keras2-sequential.h5', 'w') as f:
    # the attributes keras/engine/saving.py save_model writes (Keras 2.2.4): model_config, keras_version, backend
    f.attrs['keras_version'] = version.encode('utf8')
    f.attrs['backend'] = backend.encode('utf8')
    f.attrs['model_config'] = json.dumps(model).encode('utf8')
    g = f.create_group('model_weights')
    g.attrs['layer_names'] = np.array([b'lstm_1'])
with h5py.File('test/fixtures/hostile/weights-only.h5', 'w') as f:
    f.create_group('lstm_1').create_dataset('kernel', data=np.zeros((1, 16), dtype='f4'))
print('ok')
